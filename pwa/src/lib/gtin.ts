// Reading an item label on the device, so a wrong item is refused at the bin even offline. Covers
// what handheld scanners send for item labels: EAN/UPC digits, GS1 element strings (FNC1 as GS),
// and the bracketed human-readable form, with or without an AIM symbology prefix.
export interface ItemLabel {
  gtin: string // GTIN-14
  lot: string | null
}

/** A unit of the item a task accepts at its item step: a case GTIN stands for ``factor`` base units. */
export interface AcceptedGtin {
  gtin: string
  uom: string
  factor: number
}

const GS = '\x1d'
// GS1 application identifiers an item label commonly carries, by their data length (null: variable, ends at GS)
const AI_LENGTH: Record<string, number | null> = {
  '00': 18, '01': 14, '02': 14, '10': null, '11': 6, '12': 6, '13': 6, '15': 6, '16': 6, '17': 6, '20': 2,
  '21': null, '22': null, '30': null, '37': null, '240': null, '241': null, '250': null, '251': null,
  '400': null, '401': null, '403': null, '90': null, '91': null, '92': null, '93': null, '94': null,
  '95': null, '96': null, '97': null, '98': null, '99': null,
}

/** A GTIN of 8, 12, 13 or 14 digits as a GTIN-14, or null when it is not one (length or check digit). */
export function gtin14(code: string): string | null {
  if (!/^(\d{8}|\d{12,14})$/.test(code)) return null
  const padded = code.padStart(14, '0')
  let sum = 0
  for (let i = 0; i < 13; i++) sum += Number(padded[i]) * (i % 2 === 0 ? 3 : 1)
  return (10 - (sum % 10)) % 10 === Number(padded[13]) ? padded : null
}

function elements(body: string): Map<string, string> | null {
  const found = new Map<string, string>()
  if (body.includes('(')) {
    for (const match of body.matchAll(/\((\d{2,4})\)([^(]*)/g)) found.set(match[1], match[2].trim())
    return found.size ? found : null
  }
  let rest = body.replace(/^\x1d+/, '')
  while (rest) {
    const ai = [2, 3].map((n) => rest.slice(0, n)).find((a) => a in AI_LENGTH)
    if (ai === undefined) return found.size ? found : null // an identifier we do not read ends the label
    const length = AI_LENGTH[ai]
    rest = rest.slice(ai.length)
    const end = length ?? (rest.includes(GS) ? rest.indexOf(GS) : rest.length)
    found.set(ai, rest.slice(0, end))
    rest = rest.slice(end).replace(/^\x1d/, '')
  }
  return found
}

/** The GTIN (and lot) an item label carries, or null when the scan is no item label. */
export function readItemLabel(scan: string): ItemLabel | null {
  const body = scan.replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '').replace(/^\][A-Za-z][0-9A-Za-z]/, '')
  const plain = gtin14(body)
  if (plain) return { gtin: plain, lot: null }
  const data = elements(body)
  const gtin = gtin14(data?.get('01') ?? '')
  return gtin ? { gtin, lot: data?.get('10') || null } : null
}

/** The accepted unit an item label is (GTINs compared as GTIN-14), or null when it is none of them. */
export function acceptedUnit(accepted: AcceptedGtin[], label: ItemLabel): AcceptedGtin | null {
  return accepted.find((u) => gtin14(u.gtin) === label.gtin) ?? null
}

/** Whether a label carries a lot (GS1 AI 10), read without the server: bracketed, or the raw element string. */
export function labelHasLot(label: string): boolean {
  const s = label.replace(/^\][A-Za-z]\d/, '')
  if (s.startsWith('(')) return /\(10\)/.test(s)
  // fixed-length AIs a product label puts before the lot: 01 GTIN, 11/13/15/17 dates
  const fixed: Record<string, number> = { '01': 16, '11': 8, '13': 8, '15': 8, '17': 8 }
  let i = 0
  while (i < s.length && fixed[s.slice(i, i + 2)]) i += fixed[s.slice(i, i + 2)]
  return i > 0 && s.slice(i, i + 2) === '10' && s.length > i + 2
}
