// prom-client's own modules, loaded one by one: its index also loads the push client, the cluster
// aggregator, the process metrics and their dependencies, none of which we use. Types from its index.
declare module 'prom-client/lib/registry.js' {
  import {Registry} from 'prom-client';
  export = Registry;
}
declare module 'prom-client/lib/gauge.js' {
  import {Gauge} from 'prom-client';
  export = Gauge;
}
