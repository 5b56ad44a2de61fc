// Sound and vibration after a scan: a short high beep when it was right, two low ones when not,
// so a picker knows without looking at the screen.
let audio: AudioContext | null = null

function beep(frequency: number, start: number, length: number): void {
  audio ??= new AudioContext()
  const oscillator = audio.createOscillator()
  const gain = audio.createGain()
  oscillator.frequency.value = frequency
  oscillator.type = 'square'
  gain.gain.value = 0.08
  oscillator.connect(gain).connect(audio.destination)
  const at = audio.currentTime + start
  oscillator.start(at)
  oscillator.stop(at + length)
}

function safely(play: () => void): void {
  try {
    play()
  } catch {
    // no audio device (or not allowed yet): vibration and the screen still tell
  }
}

export function ok(): void {
  safely(() => beep(1320, 0, 0.08))
  navigator.vibrate?.(40)
}

export function fail(): void {
  safely(() => {
    beep(220, 0, 0.15)
    beep(180, 0.2, 0.25)
  })
  navigator.vibrate?.([120, 60, 120])
}
