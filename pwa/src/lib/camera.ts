// Camera scanning, loaded only when someone opens the camera. Uses the browser's BarcodeDetector and
// the zxing-based polyfill where it is missing; the polyfill's WebAssembly is served by us, not a CDN.
interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>
}

const FORMATS = ['ean_13', 'ean_8', 'upc_a', 'code_128', 'data_matrix', 'qr_code', 'itf', 'databar_expanded']

async function detector(): Promise<Detector> {
  const native = (globalThis as { BarcodeDetector?: new (o: object) => Detector }).BarcodeDetector
  if (native) return new native({ formats: FORMATS })
  const [{ BarcodeDetector, prepareZXingModule }, { default: wasmUrl }] = await Promise.all([
    import('barcode-detector/ponyfill'),
    import('zxing-wasm/reader/zxing_reader.wasm?url'),
  ])
  prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? new URL(wasmUrl, location.href).href : prefix + path),
    },
  })
  return new BarcodeDetector({ formats: FORMATS as never })
}

/** Scan from `video` until a code is read or `signal` aborts; resolves with the code's text. */
export async function scanFromCamera(video: HTMLVideoElement, signal: AbortSignal): Promise<string | null> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
  try {
    video.srcObject = stream
    await video.play()
    const reader = await detector()
    while (!signal.aborted) {
      const found = await reader.detect(video).catch(() => [])
      if (found.length) return found[0].rawValue
      // a few reads a second is plenty and spares the handheld's battery
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
    return null
  } finally {
    for (const track of stream.getTracks()) track.stop()
    video.srcObject = null
  }
}
