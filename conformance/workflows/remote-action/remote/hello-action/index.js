const fs = require('fs');
console.log(`remote hello ${process.env.INPUT_NAME} repo=${process.env.GITHUB_ACTION_REPOSITORY} ref=${process.env.GITHUB_ACTION_REF}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `said=hi ${process.env.INPUT_NAME}\n`);
