const fs = require('fs');
const hex = (s) => Buffer.from(s ?? '<unset>', 'utf8').toString('hex');
fs.appendFileSync(process.env.GITHUB_OUTPUT, `input=${hex(process.env.INPUT_VALUE)}\nenv=${hex(process.env.HOSTILE)}\n`);
