// The renderer's stylesheet, scoped to its shadow root. Colours come from VS Code's theme variables
// (--vscode-foreground, --vscode-descriptionForeground, ...) so outputs follow light, dark and high-contrast themes.

export const STYLES = `
:host { display: block; }
.seed { font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground); line-height: 1.4; }
.muted { color: var(--vscode-descriptionForeground); font-size: 12px; }
.seed-controls { display: grid; grid-template-columns: max-content minmax(120px, 260px) 4em; gap: 2px 8px; align-items: center; margin-bottom: 4px; }
.seed-controls-row { display: contents; }
.seed-controls-code { font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; padding: 2px 4px; background: var(--vscode-textCodeBlock-background); border-radius: 3px; }
.seed-controls-copy { font-size: 11px; }
.seed-controls-status { font-style: italic; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.strip { display: flex; flex-wrap: wrap; gap: 2px; max-width: 640px; }
.chip { min-width: 34px; height: 22px; padding: 0 3px; box-sizing: border-box; border-radius: 4px; border: 2px solid transparent;
  display: inline-flex; align-items: center; justify-content: center; cursor: pointer;
  font-family: var(--vscode-editor-font-family, monospace); font-size: 11px; }
.chip.compact { min-width: 26px; height: 18px; font-size: 10px; cursor: default; }
.chip.active { border-color: var(--vscode-focusBorder); }
.chip.pinned { border-color: var(--vscode-foreground); }
.slot { min-width: 34px; height: 22px; box-sizing: border-box; border: 1px dashed var(--vscode-descriptionForeground); border-radius: 4px; opacity: .5; }
.slot.compact { min-width: 26px; height: 18px; }
.detail { display: flex; gap: 10px; align-items: flex-start; margin-top: 6px; min-height: 160px; }
canvas.attention { border-radius: 4px; background: var(--vscode-editorWidget-background, transparent); }
img.pic { border-radius: 4px; display: block; }
figure { margin: 0; }
figcaption { text-align: center; }
input[type=range] { width: 260px; accent-color: var(--vscode-focusBorder); }
.bars { display: flex; flex-direction: column; gap: 3px; }
.bar-row { display: flex; align-items: center; gap: 6px; height: 16px; }
.bar-label { width: 110px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
.bar-track { width: 200px; height: 10px; border-radius: 2px; background: var(--vscode-editorWidget-border, rgba(127,127,127,.25)); }
.bar-fill { height: 100%; border-radius: 2px; background: var(--vscode-charts-blue, #3794ff); }
.bar-row.chosen .bar-label { font-weight: 700; }
.bar-row.chosen .bar-fill { background: var(--vscode-charts-orange, #d18616); }
.tok { border-radius: 3px; cursor: pointer; white-space: pre-wrap; }
.tok:hover, .tok.selected { background: var(--vscode-editor-selectionBackground, rgba(127,127,127,.3)); }
.answer { white-space: pre-wrap; line-height: 1.6; }
.seed-problem { color: var(--vscode-errorForeground); font-family: var(--vscode-editor-font-family, monospace); }
button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: none;
  border-radius: 3px; padding: 2px 8px; cursor: pointer; }
button:hover { background: var(--vscode-button-secondaryHoverBackground); }
`;
