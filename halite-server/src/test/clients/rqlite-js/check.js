// rqlite-js, unchanged, against a Halite node: node check.js http://127.0.0.1:PORT
// Prints one line per check; exits 1 at the first failure.
'use strict'
const assert = require('node:assert/strict')
const { DataApiClient, BackupApiClient, StatusApiClient } = require('rqlite-js')

const url = process.argv[2]
const data = new DataApiClient(url)
const backups = new BackupApiClient(url)
const status = new StatusApiClient(url)

async function readStream (stream) {
  const chunks = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

/** A request rqlite-js has no method for, through its own HTTP client (queue, /db/request, errors). */
async function raw (method, uri, query, body) {
  try {
    const r = await data.fetch({ httpMethod: method, uri, query, body, retries: 0 })
    return { status: r.status, body: r.body }
  } catch (e) {
    if (e.response) return { status: e.response.status, body: e.response.data }
    throw e
  }
}

const checks = [
  ['execute and parameters', async () => {
    let r = await data.execute('CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT, born DATETIME, ok BOOLEAN, pic BLOB)')
    assert.equal(r.hasError(), false, String(r.getFirstError()))
    r = await data.execute([['INSERT INTO foo(name, born, ok) VALUES(?, ?, ?)', 'fiona', '2024-03-05 14:30:00', true],
      ['INSERT INTO foo(id, name) VALUES(:id, :name)', { id: 7, name: 'sinead' }]])
    assert.equal(r.hasError(), false, String(r.getFirstError()))
    assert.equal(r.get(0).getLastInsertId(), 1)
    assert.equal(r.get(0).getRowsAffected(), 1)
    assert.equal(r.get(1).getLastInsertId(), 7)
  }],
  ['query at every level', async () => {
    for (const level of ['none', 'weak', 'linearizable', 'strong']) {
      const r = await data.query('SELECT id, name FROM foo ORDER BY id', { level })
      assert.equal(r.hasError(), false, level + ': ' + r.getFirstError())
      assert.deepEqual(r.toArray(), [{ id: 1, name: 'fiona' }, { id: 7, name: 'sinead' }], level)
    }
    const p = await data.query([['SELECT name FROM foo WHERE id = ?', 7]], { pretty: true, timings: true })
    assert.equal(p.get(0).get('name'), 'sinead')
  }],
  ['dates and booleans as rqlite renders them', async () => {
    const r = await data.query('SELECT born, ok FROM foo WHERE id = 1')
    assert.deepEqual(r.toArray(), [{ born: '2024-03-05T14:30:00Z', ok: true }])
    assert.equal(new Date(r.get(0).get('born')).toISOString(), '2024-03-05T14:30:00.000Z')
  }],
  ['blobs', async () => {
    const w = await data.execute("UPDATE foo SET pic = X'0102FF' WHERE id = 1")
    assert.equal(w.get(0).getRowsAffected(), 1)
    const r = await data.query('SELECT pic FROM foo WHERE id = 1')
    assert.deepEqual(Buffer.from(r.get(0).get('pic'), 'base64'), Buffer.from([1, 2, 255]))
  }],
  ['transactions are all or nothing', async () => {
    const r = await data.execute(['INSERT INTO foo(id, name) VALUES(20, \'x\')', 'INSERT INTO foo(id, name) VALUES(1, \'dup\')'],
      { transaction: true })
    assert.equal(r.hasError(), true)
    assert.match(r.getFirstError().message, /UNIQUE constraint failed: foo.id/)
    const c = await data.query('SELECT count(*) AS n FROM foo WHERE id = 20')
    assert.equal(c.get(0).get('n'), 0)
  }],
  ['statement errors', async () => {
    const r = await data.query('SELECT * FROM nope')
    assert.equal(r.hasError(), true)
    assert.equal(r.getFirstError().message, 'no such table: nope')
    const w = await data.query('INSERT INTO foo(name) VALUES(\'no\')')
    assert.equal(w.getFirstError().message, 'attempt to change database via query operation')
  }],
  ['request errors', async () => {
    const r = await raw('POST', '/db/execute', {}, 'not json')
    assert.equal(r.status, 400)
    assert.match(r.body.error, /^invalid JSON body/)
    const l = await raw('GET', '/db/query', { q: 'SELECT 1', level: 'fastest' })
    assert.deepEqual(l, { status: 400, body: { error: "invalid level 'fastest': use none, weak, linearizable or strong" } })
  }],
  ['mixed /db/request', async () => {
    const r = await raw('POST', '/db/request', {}, [['INSERT INTO foo(id, name) VALUES(?, ?)', 30, 'declan'],
      'SELECT name FROM foo WHERE id = 30'])
    assert.deepEqual(r.body.results, [{ last_insert_id: 30, rows_affected: 1 },
      { columns: ['name'], types: ['text'], values: [['declan']] }])
  }],
  ['queued writes', async () => {
    const sequences = []
    for (let i = 0; i < 50; i++) {
      const r = await raw('POST', '/db/execute', { queue: true }, [['INSERT INTO foo(name) VALUES(?)', 'q' + i]])
      assert.equal(r.status, 200)
      assert.deepEqual(r.body.results, [])
      sequences.push(r.body.sequence_number)
    }
    for (let i = 1; i < sequences.length; i++) assert.ok(sequences[i] > sequences[i - 1])
    const w = await raw('POST', '/db/execute', { queue: true, wait: true }, [['INSERT INTO foo(name) VALUES(?)', 'last']])
    assert.equal(w.status, 200)
    const r = await data.query("SELECT count(*) AS n FROM foo WHERE name LIKE 'q%' OR name = 'last'", { level: 'none' })
    assert.equal(r.get(0).get('n'), 51)
    const bad = await raw('POST', '/db/execute', { queue: true, transaction: true }, ['SELECT 1'])
    assert.equal(bad.status, 400)
  }],
  ['backup and load', async () => {
    const dump = await readStream(await backups.backup('sql'))
    assert.match(dump, /CREATE TABLE foo/)
    await data.execute('DELETE FROM foo')
    const loaded = JSON.parse(await readStream(await backups.load(dump)))
    assert.equal(loaded.results.length, 1)
    assert.equal(loaded.results[0].error, undefined)
    const r = await data.query('SELECT name FROM foo WHERE id = 7')
    assert.equal(r.get(0).get('name'), 'sinead')
    const file = await readStream(await backups.backup())
    assert.ok(file.startsWith('SQLite format 3'))
  }],
  ['status, on every host as statusAllHosts asks', async () => {
    const one = await status.status()
    assert.equal(one.status, 200)
    assert.equal(one.body.store.raft.state, 'Leader')
    const all = await status.statusAllHosts()
    assert.equal(all.length, 1)
    assert.equal(all[0].response.body.store.raft.state, 'Leader')
  }]
]

async function main () {
  for (const [name, check] of checks) {
    try {
      await check()
      console.log('ok   ' + name)
    } catch (e) {
      console.log('FAIL ' + name + ': ' + (e.stack || e))
      process.exit(1)
    }
  }
  console.log('all ' + checks.length + ' checks passed')
}

main()
