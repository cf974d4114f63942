/** doorman's own version and the Kubernetes release whose behaviour it follows. */
export const DOORMAN_VERSION = '0.1.0';
export const KUBERNETES_TARGET = { major: '1', minor: '35' } as const;
