"""kafka-python behind the conformance suite's JSON-lines protocol: one command a line on stdin, one answer a line
on stdout. See src/conformance/types.ts for the commands."""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

SERVERS = sys.argv[1].split(',')
answers = sys.stdout
sys.stdout = sys.stderr  # whatever a library prints is not an answer


def error(e):
    return {'error': type(e).__name__}


def produce(c):
    acks = 'all' if c['acks'] == -1 else c['acks']
    codec = c.get('compression', 'none')
    producer = KafkaProducer(bootstrap_servers=SERVERS, acks=acks, retries=0, linger_ms=0,
                             request_timeout_ms=c['timeoutMs'], compression_type=None if codec == 'none' else codec,
                             max_block_ms=10000)
    try:
        futures = [producer.send(c['topic'], value=v.encode(), partition=c['partition'], timestamp_ms=c.get('timestamp'))
                   for v in c['values']]
        offsets = []
        for f in futures:
            offsets.append(f.get(timeout=c['timeoutMs'] / 1000 + 10).offset)
        return {} if c['acks'] == 0 else {'offsets': offsets}
    except Exception as e:
        return error(e)
    finally:
        producer.close(timeout=5)


def consumer(**extra):
    return KafkaConsumer(bootstrap_servers=SERVERS, enable_auto_commit=False, auto_offset_reset='earliest', **extra)


def fetch(c):
    tp = TopicPartition(c['topic'], c['partition'])
    cons = consumer()
    try:
        cons.assign([tp])
        cons.seek(tp, c['offset'])
        records = []
        deadline = time.time() + c['waitMs'] / 1000
        while len(records) < c['max'] and time.time() < deadline:
            for batch in cons.poll(timeout_ms=200).values():
                for r in batch:
                    if len(records) < c['max']:
                        records.append({'offset': r.offset, 'value': r.value.decode()})
        return {'records': records}
    finally:
        cons.close()


def metadata(c):
    admin = KafkaAdminClient(bootstrap_servers=SERVERS)
    try:
        cluster = admin.describe_cluster()
        topic = admin.describe_topics([c['topic']])[0]
        if topic['error_code'] != 0:
            return {'error': 'error_code %d' % topic['error_code']}
        return {
            'brokers': sorted(b['node_id'] for b in cluster['brokers']),
            'controller': cluster['controller_id'],
            'partitions': sorted(({'partition': p['partition'], 'leader': p['leader'], 'replicas': sorted(p['replicas']),
                                   'isr': sorted(p['isr'])} for p in topic['partitions']), key=lambda p: p['partition']),
        }
    finally:
        admin.close()


def offsets(c):
    tp = TopicPartition(c['topic'], c['partition'])
    cons = consumer()
    try:
        return {'earliest': cons.beginning_offsets([tp])[tp], 'latest': cons.end_offsets([tp])[tp]}
    finally:
        cons.close()


def join(c):
    cons = consumer(group_id=c['group'])
    try:
        cons.subscribe([c['topic']])
        deadline = time.time() + c['waitMs'] / 1000
        while not cons.assignment() and time.time() < deadline:
            cons.poll(timeout_ms=100)
        if not cons.assignment():
            return {'error': 'NOT_JOINED'}
        generation = cons._coordinator._generation  # kafka-python has no public accessor
        return {'memberId': generation.member_id, 'generation': generation.generation_id,
                'assignment': sorted(tp.partition for tp in cons.assignment())}
    finally:
        cons.close()


OPS = {'produce': produce, 'fetch': fetch, 'metadata': metadata, 'offsets': offsets, 'join': join}

for line in sys.stdin:
    command = json.loads(line)
    try:
        answer = OPS[command['op']](command)
    except Exception as e:  # noqa: BLE001 - every failure is an observation
        answer = error(e)
    answers.write(json.dumps(answer) + '\n')
    answers.flush()
