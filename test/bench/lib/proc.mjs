// A running process seen from outside, through /proc: its memory (VmRSS now, VmHWM the peak)
// and the CPU time it has used (utime + stime, in clock ticks), whatever it says of itself.
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

let ticksPerSecond;

/** sysconf(_SC_CLK_TCK): the unit of /proc/<pid>/stat's times (100 on Linux x86-64). */
export function clockTicks() {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ticksPerSecond;
}

/** { exe (the binary's file name: which process we are looking at), rssKiB, hwmKiB } from /proc/<pid>/status. */
export function memoryOf(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { exe: basename(readlinkSync(`/proc/${pid}/exe`)), rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** utime + stime of `pid` (threads included; waited-for children not), in seconds. */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  return (utime + stime) / clockTicks();
}

/** Children's CPU time the process has waited for (cutime + cstime): the execs it ran, in seconds. */
export function childCpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / clockTicks();
}
