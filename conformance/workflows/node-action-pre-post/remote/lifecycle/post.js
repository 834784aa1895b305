console.log(`post ${process.env.INPUT_LABEL} state=${process.env.STATE_since ?? 'none'},${process.env.STATE_from_main}`);
