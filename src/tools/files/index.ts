// files tools (docs/architecture.md#tool-surface, docs/wire/files.md), one module per verb group. Remote paths
// are the front-end form `drive/Home/Documents/x.txt`; local paths are checked by localPaths.ts.
import type { ToolDeclaration } from '../defineTool.js';
import { filesArchive } from './archive.js';
import { filesCp, filesMkdir, filesMv, filesRename, filesRm } from './change.js';
import { filesDownload } from './download.js';
import { filesCat, filesLs, filesStat } from './read.js';
import { filesShareCreate, filesShareList, filesShareRemove } from './share.js';
import { filesUpload } from './upload.js';

export const filesTools: ToolDeclaration<any, any>[] = [
  filesLs,
  filesStat,
  filesCat,
  filesDownload,
  filesUpload,
  filesMkdir,
  filesRm,
  filesCp,
  filesMv,
  filesRename,
  filesArchive,
  filesShareCreate,
  filesShareList,
  filesShareRemove,
];
