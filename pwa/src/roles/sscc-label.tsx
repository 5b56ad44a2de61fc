// The shipping unit's label: its SSCC as a GS1-128 barcode (AI 00) and in plain text, printable.
// All-digit data fits Code 128 set C (two digits a symbol), so the encoder is a table and a checksum.

// bar/space widths of Code 128 symbols 0..105; 105 is Start C, and the stop symbol follows
const PATTERNS = (
  '212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 122231 113222 ' +
  '123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 212123 212321 ' +
  '232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 112133 112331 132131 113123 113321 133121 ' +
  '313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 ' +
  '111422 121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 ' +
  '111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 ' +
  '114311 411113 411311 113141 114131 311141 411131 211412 211214 211232'
).split(' ')
const STOP = '2331112'
const START_C = 105
const FNC1 = 102

/** The symbol values of a GS1-128 barcode for an even number of digits: Start C, FNC1, pairs, checksum. */
export function gs1Code128(digits: string): number[] {
  if (!/^(\d\d)+$/.test(digits)) throw new Error('GS1-128 set C needs an even number of digits')
  const values = [START_C, FNC1]
  for (let i = 0; i < digits.length; i += 2) values.push(Number(digits.slice(i, i + 2)))
  const check = values.reduce((sum, v, i) => sum + v * Math.max(i, 1), 0) % 103
  return [...values, check]
}

/** Bars as [x, width] in modules, and the symbol's total width (quiet zones of 10 modules). */
export function bars(values: number[]): { bars: [number, number][]; width: number } {
  const widths = [...values.map((v) => PATTERNS[v]), STOP].join('')
  const out: [number, number][] = []
  let x = 10
  for (let i = 0; i < widths.length; i++) {
    const w = Number(widths[i])
    if (i % 2 === 0) out.push([x, w]) // even positions are bars, odd ones spaces
    x += w
  }
  return { bars: out, width: x + 10 }
}

/** "(00) 0 0871234 500000001 7": the SSCC as printed under its barcode. */
export function readable(sscc: string): string {
  return `(00) ${sscc[0]} ${sscc.slice(1, 8)} ${sscc.slice(8, 17)} ${sscc[17]}`
}

export function SsccLabel({ sscc, order, totes, customer }: { sscc: string; order: string; totes: string[]; customer: string }) {
  const { bars: drawn, width } = bars(gs1Code128(`00${sscc}`))
  return (
    <figure class="label" data-testid="sscc-label" data-sscc={sscc}>
      <figcaption>
        <strong>{customer}</strong> · order {order} · totes {totes.join(', ')}
      </figcaption>
      <svg viewBox={`0 0 ${width} 60`} role="img" aria-label={`SSCC barcode ${sscc}`} preserveAspectRatio="none">
        <rect width={width} height={60} fill="#fff" />
        {drawn.map(([x, w]) => (
          <rect key={x} x={x} width={w} height={60} fill="#000" />
        ))}
      </svg>
      <p class="label-text" data-testid="sscc-text">{readable(sscc)}</p>
    </figure>
  )
}
