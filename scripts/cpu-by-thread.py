#!/usr/bin/env python3
"""CPU of a kpipe command by JVM and by kind of thread, second by second: where the first minute goes.

    scripts/cpu-by-thread.py SECONDS STEP COMMAND...
    scripts/cpu-by-thread.py 60 5 ./kpipe run --duration 2m --warmup 15s

Runs COMMAND, reads /proc/<pid>/task/*/stat of it and of every process under it once a second for
SECONDS, lets COMMAND finish, then prints per STEP seconds the CPU (in % of one core) of each role
(cli: the kpipe JVM, broker, processor: child JVMs) split by thread kind: jit (C1 and C2 compiler
threads), gc (GC and VM threads), app (everything else), and the busiest application threads over
the whole sampled time. Linux only; reads nothing but /proc.
"""
import collections
import os
import re
import subprocess
import sys
import time

HZ = os.sysconf('SC_CLK_TCK')


def descendants(pid):
    found = [pid]
    try:
        for task in os.listdir(f'/proc/{pid}/task'):
            try:
                with open(f'/proc/{pid}/task/{task}/children') as f:
                    for child in f.read().split():
                        found += descendants(int(child))
            except OSError:
                pass
    except OSError:
        pass
    return found


def role(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            cmd = f.read().replace(b'\0', b' ').decode(errors='replace')
    except OSError:
        return None
    if 'BrokerMain' in cmd:
        return 'broker'
    if ' --child' in cmd:
        return 'processor'
    if 'java' in cmd:
        return 'cli'
    return None


def kind(thread):
    if thread.startswith(('C1 CompilerThre', 'C2 CompilerThre')):
        return 'jit'
    if thread.startswith(('GC Thread', 'G1 ', 'VM Thread', 'VM Periodic')):
        return 'gc'
    return 'app'


def sample(root):
    ticks = {}
    for pid in descendants(root):
        r = role(pid)
        if r is None:
            continue
        try:
            tasks = os.listdir(f'/proc/{pid}/task')
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f'/proc/{pid}/task/{task}/stat') as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index('(') + 1:stat.rindex(')')]
            fields = stat[stat.rindex(')') + 2:].split()
            ticks[(r, pid, name, task)] = int(fields[11]) + int(fields[12])
    return ticks


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    seconds, step, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    proc = subprocess.Popen(command)
    samples = []
    start = time.time()
    try:
        for i in range(seconds + 1):
            samples.append(sample(proc.pid))
            time.sleep(max(0.0, i + 1 - (time.time() - start)))
        rc = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        rc = proc.wait()
    columns = sorted({(k[0], kind(k[2])) for s in samples for k in s})
    print('\nCPU in % of one core, by role/thread kind (sampled from the start of the command)')
    print('   from ' + ''.join(f'{r + "/" + k:>15}' for r, k in columns) + '          total')
    for i in range(0, len(samples) - step, step):
        a, b = samples[i], samples[i + step]
        per = collections.Counter()
        for key, v in b.items():
            per[(key[0], kind(key[2]))] += v - a.get(key, 0)
        line = ''.join(f'{100.0 * per[c] / HZ / step:15.0f}' for c in columns)
        print(f'{i:6d}s' + line + f'{100.0 * sum(per.values()) / HZ / step:15.0f}')
    first, last = samples[0], samples[-1]
    busiest = collections.Counter()
    for key, v in last.items():
        if kind(key[2]) == 'app':
            busiest[(key[0], re.sub(r'\d+', '#', key[2]))] += v - first.get(key, 0)
    print('busiest application threads over the sampled time (CPU seconds):')
    for (r, name), v in busiest.most_common(12):
        print(f'  {r:10} {name:40} {v / HZ:7.1f}')
    sys.exit(rc)


if __name__ == '__main__':
    main()
