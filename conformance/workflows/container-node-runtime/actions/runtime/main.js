const fs = require('fs');
const { execFileSync } = require('child_process');
const where = process.env.INPUT_WHERE;
console.log(`${where}: node ${process.version} at ${process.execPath}`);
console.log(`${where}: intl ${new Intl.NumberFormat('de-DE').format(1234.5)} ${new Intl.DateTimeFormat('fr-FR', { month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2020, 5, 1)))}`);
console.log(`${where}: sha256 ${require('crypto').createHash('sha256').update('kact').digest('hex').slice(0, 12)}`);
const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(process.version + " " + process.execPath)']).toString();
console.log(`${where}: child ${child}`);
if (where === 'container') {
  try {
    fs.writeFileSync('/__e/kact-write-test', 'x');
    console.log('container: /__e is writable');
  } catch (error) {
    console.log(`container: /__e is read-only (${error.code})`);
  }
}
fs.appendFileSync(process.env.GITHUB_OUTPUT, `version=${process.version}\nexec-path=${process.execPath}\n`);
require('dns').lookup('localhost', { family: 4 }, (error, address) => console.log(`${where}: localhost ${error ? error.code : address}`));
