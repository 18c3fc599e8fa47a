// Electron's way out for an export (docs/security.md "Exports"): a save dialog, so the admin can put
// the file on a USB stick. Core copies the finished file to the chosen path and removes its own copy
// (src/core/admin/export-methods.ts); this only asks where. Not exercised by the tests here: they
// run the browser host (no Electron binary on the build machine); the browser host's one-time
// download covers the same job end to end.
import { app, dialog, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { ExportHostSide } from '../core/admin/export-methods.js';

export function installExportSaveDialog(exports: ExportHostSide | null | undefined, window: () => BrowserWindow | null): void {
  exports?.setSaveDialog(async (fileName) => {
    const win = window();
    const options = {
      title: fileName,
      // Removable drives mount under the user's media directory on the kiosk's Linux; start at home.
      defaultPath: join(app.getPath('home'), fileName),
      filters: [{ name: fileName.endsWith('.xlsx') ? 'Excel' : 'CSV', extensions: [fileName.endsWith('.xlsx') ? 'xlsx' : 'csv'] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'] as Array<'createDirectory' | 'showOverwriteConfirmation'>,
    };
    const chosen = win && !win.isDestroyed() ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
  });
}
