console.log(["RAN", "js-action"].join("-"), JSON.stringify(process.env.INPUT_VALUE));
