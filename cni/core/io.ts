/** What a command handler may touch of its process: entry files build this from `process`, tests from strings. */
export interface Io {
  env: NodeJS.ProcessEnv;
  stdin: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
