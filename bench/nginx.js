// The nginx part of `npm run bench` (spec section 8, issue 3): requests per
// second under wrk with fixed -t/-c/-d on a local rig of the real nginx and
// three HTTP backends, for (a) the story's original config (one worker, 1024
// connections, no upstream keep-alive), (b) arch 6 without keep-alive and
// (c) arch 6 as fleet writes it; printing RPS and the ratios c/a (target
// ≥ 1.8x) and c/b.
//
// HOOK: the nginx engineer replaces the body of benchNginx() with the rig.
// bench/run.js awaits it after the status and start-up timings. It should
// start its own peers on free loopback ports, print its table, and stop
// everything before it returns (throwing fails the bench).

/** Runs the nginx rig and prints its figures. Not written yet: prints that, and measures nothing. */
export async function benchNginx() {
  console.log('nginx rig under wrk: not measured yet (issue 3 adds it here, in bench/nginx.js)')
}
