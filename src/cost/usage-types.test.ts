import {describe, expect, it} from 'vitest'

import {boxUsageType, classifyUsageType, parseUsageType, REGION_PREFIXES, regionPrefix} from './usage-types.js'

describe('usage-type names', () => {
  it('maps billing prefixes to regions, both ways', () => {
    expect(parseUsageType('APN2-BoxUsage:t2.micro')).toEqual({region: 'ap-northeast-2', peerRegion: null, rest: 'BoxUsage:t2.micro'})
    expect(parseUsageType('EU-BoxUsage:t3.micro').region).toBe('eu-west-1')
    expect(parseUsageType('USE1-PublicIPv4:InUseAddress').region).toBe('us-east-1')
    expect(regionPrefix('ap-northeast-2')).toBe('APN2')
    expect(regionPrefix('ap-south-1')).toBe('APS3')
    expect(regionPrefix('nowhere-1')).toBeNull()
    expect(new Set(Object.values(REGION_PREFIXES)).size).toBe(Object.keys(REGION_PREFIXES).length)
  })

  it('reads an unprefixed usage type as us-east-1 and an unknown prefix as no region', () => {
    expect(parseUsageType('BoxUsage:t2.micro')).toEqual({region: 'us-east-1', peerRegion: null, rest: 'BoxUsage:t2.micro'})
    expect(parseUsageType('DataTransfer-Out-Bytes').region).toBe('us-east-1')
    expect(parseUsageType('US-DataTransfer-Out-Bytes')).toEqual({region: null, peerRegion: null, rest: 'US-DataTransfer-Out-Bytes'})
    expect(parseUsageType('').region).toBeNull()
  })

  it('reads both regions of an inter-region transfer', () => {
    expect(parseUsageType('APN2-USE1-AWS-Out-Bytes')).toEqual({region: 'ap-northeast-2', peerRegion: 'us-east-1', rest: 'AWS-Out-Bytes'})
  })

  it.each([
    ['APN2-BoxUsage:t2.micro', 'ec2-hours'],
    ['BoxUsage:t2.medium', 'ec2-hours'],
    ['APN2-BoxUsage', 'ec2-hours'],
    ['APN2-SpotUsage:t3.micro', 'ec2-hours'],
    ['APN2-CPUCredits:t3', 'ec2-hours'],
    ['APN2-PublicIPv4:InUseAddress', 'public-ipv4'],
    ['PublicIPv4:IdleAddress', 'public-ipv4'],
    ['APN2-ElasticIP:IdleAddress', 'public-ipv4'],
    ['APN2-DataTransfer-Regional-Bytes', 'regional-transfer'],
    ['DataTransfer-Regional-Bytes', 'regional-transfer'],
    ['APN2-DataTransfer-Out-Bytes', 'internet-egress'],
    ['DataTransfer-Out-Bytes', 'internet-egress'],
    ['US-DataTransfer-Out-Bytes', 'internet-egress'],
    ['APN2-USE1-AWS-Out-Bytes', 'internet-egress'],
    ['USE1-APN2-AWS-In-Bytes', 'other'],
    ['APN2-DataTransfer-In-Bytes', 'other'],
    ['APN2-InstanceUsage:db.t3.micro', 'rds'],
    ['InstanceUsage:db.t3.micro', 'rds'],
    ['APN2-Multi-AZUsage:db.t3.micro', 'rds'],
    ['APN2-RDS:GP2-Storage', 'rds'],
    ['APN2-RDS:ChargedBackupUsage', 'rds'],
    ['APN2-EBS:VolumeUsage.gp2', 'other'],
    ['APN2-NatGateway-Bytes', 'other'],
    ['', 'other'],
  ])('classifies %s as %s', (usageType, group) => {
    expect(classifyUsageType(usageType)).toBe(group)
  })

  it('names the instance type of on-demand hours, m1.small for a bare BoxUsage', () => {
    expect(boxUsageType('BoxUsage:t2.micro')).toBe('t2.micro')
    expect(boxUsageType('APN2-BoxUsage:t3.micro')).toBe('t3.micro')
    expect(boxUsageType('APN2-BoxUsage')).toBe('m1.small')
    expect(boxUsageType('APN2-SpotUsage:t2.micro')).toBeNull()
    expect(boxUsageType('APN2-InstanceUsage:db.t3.micro')).toBeNull()
  })
})
