const fs = require('fs');
const label = process.env.INPUT_LABEL;
let result = `${label}-${process.env.INPUT_GREETING}`;
if (process.env.INPUT_SHOUT === 'yes') result = result.toUpperCase();
// STATE_since exists only when pre ran (a remote action); a local action's pre never runs.
console.log(`main ${label} pre_state=${process.env.STATE_since ?? 'none'} action_path_ok=${fs.existsSync(process.env.GITHUB_ACTION_PATH + '/action.yml')}`);
fs.appendFileSync(process.env.GITHUB_STATE, `from_main<<EOS\nmain-${label}\nEOS\n`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `result=${result}\n`);
