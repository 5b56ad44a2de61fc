// Prints the gzipped size of the built JavaScript and fails when the app's own JavaScript
// (everything but the lazily loaded camera decoder) exceeds the budget of issue #6.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'

const BUDGET_KB = 120
const dist = new URL('../dist/', import.meta.url).pathname

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

const rows = files(dist)
  .filter((path) => path.endsWith('.js'))
  .map((path) => {
    const source = readFileSync(path)
    // the polyfill is fetched only when a device without BarcodeDetector opens the camera
    const lazy = /zxing/i.test(source.toString('latin1')) && !path.endsWith('sw.js')
    return { file: relative(dist, path), gzip: gzipSync(source, { level: 9 }).length, lazy }
  })
  .sort((a, b) => b.gzip - a.gzip)

const kb = (n) => (n / 1024).toFixed(1)
const counted = rows.filter((r) => !r.lazy).reduce((sum, r) => sum + r.gzip, 0)
const lazy = rows.filter((r) => r.lazy).reduce((sum, r) => sum + r.gzip, 0)
for (const r of rows) console.log(`${kb(r.gzip).padStart(7)} KB  ${r.file}${r.lazy ? '  (lazy: camera polyfill)' : ''}`)
console.log(`JavaScript, gzipped: ${kb(counted)} KB counted (app + service worker), ${kb(lazy)} KB lazy camera polyfill`)
if (counted > BUDGET_KB * 1024) {
  console.error(`over the ${BUDGET_KB} KB budget`)
  process.exit(1)
}
