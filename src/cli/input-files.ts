import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Above this a file is not a findings export (GetFindings pages are at most a few MB). */
export const maxFileBytes = 64 * 1024 * 1024;

export interface InputFiles {
  /** Files to read, in a stable order. */
  files: string[];
  problems: { path: string; message: string }[];
}

/**
 * The files a PATH argument stands for: the file itself, or every *.json below a folder,
 * sorted. Symbolic links to folders are not followed, so a link cycle cannot loop forever.
 */
export async function findInputFiles(path: string): Promise<InputFiles> {
  const top = await statOrProblem(path);
  if ('message' in top) return { files: [], problems: [top] };
  if (top.isFile()) {
    if (top.size > maxFileBytes) return { files: [], problems: [{ path, message: 'file too large to be a findings file' }] };
    return { files: [path], problems: [] };
  }
  if (!top.isDirectory()) return { files: [], problems: [{ path, message: 'not a file or folder' }] };

  const files: string[] = [];
  const problems: InputFiles['problems'] = [];
  const pending = [path];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      problems.push({ path: dir, message: `cannot read folder: ${errorText(error)}` });
      continue;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.name.toLowerCase().endsWith('.json') && (entry.isFile() || (entry.isSymbolicLink() && (await isFile(full))))) files.push(full);
    }
  }
  if (files.length === 0 && problems.length === 0) problems.push({ path, message: 'folder holds no *.json files' });
  return { files: files.sort(byCodePoint), problems };
}

async function statOrProblem(path: string): Promise<Awaited<ReturnType<typeof stat>> | { path: string; message: string }> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { path, message: code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${errorText(error)}` };
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Plain code-point order, independent of the machine's locale. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
