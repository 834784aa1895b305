console.log(`${process.env.INPUT_WHERE}: post with node ${process.version} at ${process.execPath}`);
