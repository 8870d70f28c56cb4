// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins).
//
// Bolt's index loads every receiver, so the Slack function would carry Socket Mode (undici, ws)
// and Express (body parsing, iconv-lite) that only the local receivers use, a large part of its
// minified code (`npm run bench:bundle` measures the bundles). In the Lambda bundles these modules
// are replaced by stubs that throw when used; the functions use AwsLambdaReceiver only
// (test/deploy-package.test.ts drives the bundled handler to prove it).
const STUBBED = ['@slack/socket-mode', 'express', 'raw-body'];

const stubSource = (name) => `
const fail = () => { throw new Error(${JSON.stringify(name)} + ' is not in the Lambda bundle (only AwsLambdaReceiver is)'); };
module.exports = new Proxy(function stub() { fail(); }, { get: (_t, key) => (key === '__esModule' ? false : key === 'default' ? module.exports : fail), construct: fail, apply: fail });
`;

module.exports = [
  {
    name: 'warden-stub-local-receivers',
    setup(build) {
      const filter = new RegExp(`^(${STUBBED.map((n) => n.replace(/[/@.-]/g, (c) => `\\${c}`)).join('|')})$`);
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'warden-stub' }));
      build.onLoad({ filter: /.*/, namespace: 'warden-stub' }, (args) => ({
        contents: stubSource(args.path),
        loader: 'js',
      }));
    },
  },
];
