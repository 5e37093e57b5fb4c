/** What a command handler may touch of its process: entry files build this from `process`, tests from strings. */
export interface Io {
  env: NodeJS.ProcessEnv;
  /** The bytes the runtime wrote (entry files), or text (tests); decoded strictly as UTF-8. */
  stdin: string | Uint8Array;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The Io a verb gets: stdin already decoded (a delegated plugin is fed exactly this text). */
export type DecodedIo = Omit<Io, 'stdin'> & { stdin: string };
