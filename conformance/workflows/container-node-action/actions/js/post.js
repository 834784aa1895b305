console.log("js post in container");
