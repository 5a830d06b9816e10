/**
 * Reading a password or passphrase at the terminal: the first line of standard input (piped in), or a
 * prompt that echoes nothing.
 */
import { CliFailure } from './cli-failure.js';

/** The first line of a stream (a password piped in), without its line ending; `option` names the flag for the error. */
export async function readFirstLine(stream: NodeJS.ReadStream, option: string): Promise<string> {
  stream.setEncoding('utf8');
  let text = '';
  for await (const chunk of stream) {
    text += chunk as string;
    if (text.includes('\n')) break;
  }
  const line = text.split('\n')[0].replace(/\r$/, '');
  if (line === '') throw new CliFailure(`nothing on standard input (${option} reads its first line)`);
  return line;
}

/** Reads one line from the terminal in raw mode, echoing nothing. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setEncoding('utf8');
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let answer: string[] = [];
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(answer.join(''));
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new CliFailure('cancelled; nothing changed'));
        if (char === '\u0004') {
          return answer.length === 0 ? finish(new CliFailure('cancelled; nothing changed')) : finish();
        }
        if (char === '\u007f' || char === '\b') answer.pop();
        else if (char === '\u0015') answer = [];
        else if (char >= ' ') answer.push(char);
      }
    };
    stdin.on('data', onData);
  });
}
