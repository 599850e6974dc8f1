/**
 * The access rules a fleet broker needs, in mosquitto's ACL format: a device (its MQTT user name is its
 * device id) writes only its own up topics and reads only its own down topics; the hub user reads every
 * device's up topics and writes every device's down topics. EMQX and HiveMQ express the same rules in
 * their own ACL configuration (see docs/scaling.md).
 */
export function mosquittoAcl(hubUser: string): string {
  return [
    `user ${hubUser}`,
    'topic read branchline/v1/devices/+/up/#',
    'topic write branchline/v1/devices/+/down/#',
    '',
    '# every other user is a device named by its user name',
    'pattern write branchline/v1/devices/%u/up/#',
    'pattern read branchline/v1/devices/%u/down/#',
    '',
  ].join('\n');
}
