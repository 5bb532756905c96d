import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

/**
 * The commented starter profile `fleet init` writes. It validates as it is
 * (with made-up account ids), so `fleet arch list` works on it at once.
 */
export function starterProfile(name: string): string {
  const schema = schemaFile()
  const modeline = schema === undefined ? '' : `# yaml-language-server: $schema=${schema}\n`
  return `${modeline}#
# fleet profile \`${name}\`. Every key is described in profiles/example.yaml
# of the fleet package (the story's four-account fleet) and in the spec.
# Replace the made-up account ids below with yours, then:
#   fleet login --profile ${name}      # store the hub's access key in the keychain
#   fleet doctor --profile ${name}     # check roles, instances, SSH and permissions
#   fleet arch list --profile ${name}

# Default region of every account (an account may set its own \`region:\`).
region: ap-northeast-2

# Instance types treated as free; anything else needs --allow-paid or a yes at the prompt.
freeTypes: [t2.micro, t3.micro]

# The identity that assumes the roles below.
hub:
  source: keychain            # keychain (fleet login) | aws-profile | env
  # awsProfile: hub           # with source: aws-profile (~/.aws/config; SSO works)
  # mfaSerial: arn:aws:iam::999999999999:mfa/me

# One free-tier account per entry, one EC2 each. The key is the account's
# name in fleet. Quote account ids (unquoted, YAML reads them as numbers).
# \`fleet iam policy\` prints the role to create in each account.
accounts:
  lb:
    accountId: "111111111111"
    roleArn: arn:aws:iam::111111111111:role/FleetOperator
    # externalId: my-fleet          # if the role's trust policy asks for one
    instance: { tag: { fleet: lb } }   # or { id: i-0123456789abcdef0 }
    ssh: { user: ec2-user, key: ~/.ssh/fleet.pem }   # no key: ssh-agent; relative: from this file's folder
    # freePlan: credits             # accounts opened after mid-2025 (default: 750-hours)
  app-1:
    accountId: "222222222222"
    roleArn: arn:aws:iam::222222222222:role/FleetOperator
    instance: { tag: { fleet: app-1 } }
    ssh: { user: ec2-user, key: ~/.ssh/fleet.pem }

# The load balancer: fleet rewrites its upstream with the app servers' IPs.
nginx:
  on: lb                                        # the account whose instance runs nginx
  config: /etc/nginx/nginx.conf                 # as the host sees it
  upstreamFile: /etc/nginx/conf.d/fleet-upstream.conf   # fleet owns this file
  upstream: backend                             # the upstream's name in your config
  # test: docker exec nginx nginx -t            # when nginx runs in Docker (default: sudo nginx -t)
  # reload: docker exec nginx nginx -s reload
  # dump: docker exec nginx nginx -T
  address: public                               # public | private: which app IP goes upstream
  # start: docker start nginx                   # run after \`fleet up\` starts the LB (a container without a restart policy)

apps:
  port: 8080
  # restart: docker compose -f /home/ec2-user/app/compose.yml up -d --force-recreate
  # health: /actuator/health
  # start: docker compose -f /home/ec2-user/app/compose.yml up -d   # run after \`fleet up\` starts an app server

# RDS public access costs money by the hour: fleet turns it on and off
# together with each app server's DB_URL.
# rds:
#   account: lb
#   instance: my-db
#   envFile: /home/ec2-user/app/.env
#   key: DB_URL
#   public: jdbc:mysql://{endpoint}:{port}/mydb
#   private: jdbc:mysql://{lb.privateIp}:3306/mydb

# Named architectures for \`fleet up --arch ID\`. Accounts an architecture
# does not use are stopped.
architectures:
  small:
    description: nginx on a t2.micro, one app server
    lb: { instanceType: t2.micro }
    apps: [app-1]
  # big:
  #   lb: { instanceType: t2.medium }
  #   apps: [app-1, { account: app-2, ports: [8080, 8081] }]
  #   nginx: { workerProcesses: auto, workerConnections: 2048, keepalive: 64, keepaliveTimeout: 15s }
  #   rdsPublic: true

# Defaults of \`fleet loadtest\` (its flags override them).
# loadtest:
#   url: https://my-service.example.com/   # default: http://<LB public IP>/
#   users: [100, 500, 1000]                # virtual users per step
#   think: 1s                              # wait between a user's requests (0: none)
#   duration: 60s                          # the measured part of each step

# cost:
#   cacheHours: 6
#   alertUsd: 1.00

# \`fleet up --ttl 3h\`: each instance schedules its own stop (RDS is not covered).
# autoStop:
#   schedule: sudo shutdown -h +{minutes}
#   cancel: sudo shutdown -c

# Run here when the LB's public IP changed after \`fleet up\` (e.g. update a DNS record).
# onLbIpChange: ./update-dns.sh {ip} {dns}
`
}

/** The package's profiles/schema.json, from src/ (tests) or dist/src/ (built). */
function schemaFile(): string | undefined {
  for (const relative of ['../../profiles/schema.json', '../../../profiles/schema.json']) {
    const file = fileURLToPath(new URL(relative, import.meta.url))
    if (existsSync(file)) return file
  }
  return undefined
}
