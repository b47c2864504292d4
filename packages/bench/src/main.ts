/** `npm run bench:sync`: placeholder entry, replaced by the benchmark. */
console.log("bench:sync: not written yet")
