import { createRunner } from '../host/run';
import { createAsyncRunner } from '../host/run-async';
import { runCli } from './program';
import { ctxFactory } from './make-ctx';

const io = { env: process.env, stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };
runCli(process.argv.slice(2), io, ctxFactory(io, createRunner(process.env), createAsyncRunner(process.env))).then((code) => (process.exitCode = code));
