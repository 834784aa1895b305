const fs = require('fs');
const label = process.env.INPUT_LABEL;
console.log(`pre script ran for ${label}`);
fs.appendFileSync(process.env.GITHUB_STATE, `since=pre-${label}\n`);
