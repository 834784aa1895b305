require("fs").appendFileSync(process.env.GITHUB_OUTPUT, `echoed=${process.env.INPUT_WORD}\n`); console.log("js action in container", process.env.INPUT_WORD);
