// The contract's method names without zod, for the Electron preload: it runs on every page load
// in the sandbox and needs only the names to expose one verb per method. api.ts checks at compile
// time that this list and its METHODS table name exactly the same methods.
export const METHOD_NAME_LIST = ['getStatus', 'submitScan', 'guardReview', 'openAdminSession', 'closeAdminSession', 'touchAdminSession', 'getTodayFigures', 'setLanguage', 'getRendererConfig', 'reportCamera', 'getTrustOverview', 'getRetention', 'purgeNow', 'getAudit', 'exportAudit', 'getConfig', 'saveConfigChange', 'startExport', 'getExportJob', 'cancelExport', 'saveExport', 'getStatistics', 'previewPolicy', 'getDeviceSetup', 'applyDeviceSettings', 'testDevice', 'getFrameLog', 'getUploadSetup', 'testCollector', 'getTrustSetup', 'previewPinnedRoot', 'addPinnedRoot', 'removePinnedRoot', 'importList', 'syncListsNow'] as const;
export type MethodNameFromList = (typeof METHOD_NAME_LIST)[number];
