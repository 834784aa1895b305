console.log(`post ${process.env.INPUT_LABEL} state=${process.env.STATE_since},${process.env.STATE_from_main}`);
