// The outcome of a configuration save (settings and policy screens): what was said, the paths in
// force at once and those that wait for a restart (docs/security.md, "Configuration").
import type { Translate } from './panel.js';

export interface SaveNoticeState {
  tone: 'ok' | 'bad';
  text: string;
  applied?: string[];
  restartNeeded?: string[];
}

/** `prefix` names the element (`<prefix>-notice`) and its test ids (`<prefix>-applied`, `<prefix>-restart-needed`). */
export function SaveNotice({ notice, prefix, class: className, t }: { notice: SaveNoticeState; prefix: string; class?: string; t: Translate }) {
  return (
    <div id={`${prefix}-notice`} class={className} role={notice.tone === 'bad' ? 'alert' : 'status'} data-tone={notice.tone}>
      <p>{notice.text}</p>
      {notice.applied && notice.applied.length > 0 && (
        <p data-testid={`${prefix}-applied`}>
          {t('settings.appliedNow')}: {notice.applied.join(', ')}
        </p>
      )}
      {notice.restartNeeded && notice.restartNeeded.length > 0 && (
        <p data-testid={`${prefix}-restart-needed`}>
          {t('settings.afterRestart')}: {notice.restartNeeded.join(', ')}
        </p>
      )}
    </div>
  );
}
