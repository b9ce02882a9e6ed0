// One consumer-group member with KafkaJS, for the group interop tests
// (groups_test.go describes the protocol).
//
// Usage: node member.js CONFIG_JSON
//
// It subscribes, writes one JSON line per event on stdout (record,
// committed, commit-failed, assigned, error, closed) and obeys
// "stop-commits" and "close" lines on stdin; end of stdin closes too.
// KafkaJS 2.2.4 has one assignor (round robin), eager rebalancing only, no
// static membership, and reports each generation's whole assignment
// (GROUP_JOIN) but no revocation. Its own logs go to stderr, since stdout
// carries the events.
'use strict'

const readline = require('node:readline')
const { Kafka, logLevel, PartitionAssigners } = require('kafkajs')

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

const logCreator = () => ({ namespace, level, log }) => {
  const { message, ...extra } = log
  process.stderr.write(`[${level}] ${namespace}: ${message} ${JSON.stringify(extra)}\n`)
}

async function main () {
  const cfg = JSON.parse(process.argv[2])
  if (cfg.protocol !== 'classic' || cfg.instance_id) {
    throw new Error('KafkaJS speaks only the classic protocol, without static membership')
  }
  const kafka = new Kafka({
    clientId: cfg.name,
    brokers: [cfg.bootstrap],
    logLevel: logLevel.INFO,
    logCreator
  })
  const consumer = kafka.consumer({
    groupId: cfg.group,
    sessionTimeout: cfg.session_timeout_ms,
    heartbeatInterval: cfg.heartbeat_interval_ms,
    rebalanceTimeout: 20000,
    maxWaitTimeInMs: 100,
    partitionAssigners: [PartitionAssigners.roundRobin]
  })
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const partitions = (payload.memberAssignment[cfg.topic] || []).slice().sort((a, b) => a - b)
    emit({ ev: 'assigned', partitions })
  })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    emit({ ev: 'error', error: `crash: ${payload.error && payload.error.message}` })
  })

  let stopCommits = false
  let closing = null
  const close = () => {
    if (!closing) {
      closing = consumer.disconnect().then(() => {
        emit({ ev: 'closed' })
        process.exit(0)
      }, (err) => {
        process.stderr.write(`disconnect: ${err.stack}\n`)
        process.exit(1)
      })
    }
    return closing
  }
  const stdin = readline.createInterface({ input: process.stdin })
  stdin.on('line', (line) => {
    if (line.trim() === 'stop-commits') stopCommits = true
    if (line.trim() === 'close') close()
  })
  stdin.on('close', close)

  await consumer.connect()
  await consumer.subscribe({ topics: [cfg.topic], fromBeginning: cfg.reset === 'earliest' })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (closing) return
      const offset = Number(message.offset)
      emit({ ev: 'record', partition, offset, value: message.value.toString() })
      if (stopCommits) return
      const next = (BigInt(message.offset) + 1n).toString()
      try {
        await consumer.commitOffsets([{ topic, partition, offset: next }])
        emit({ ev: 'committed', partition, offset: offset + 1 })
      } catch (err) {
        // Failed commits are data for the test, not a reason to read the
        // record again.
        emit({ ev: 'commit-failed', error: `${err.type || err.name}: ${err.message}` })
      }
    }
  })
}

main().catch((err) => {
  process.stderr.write(`member: ${err.stack}\n`)
  process.exit(1)
})
