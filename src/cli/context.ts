import {AwsProvider} from '../aws/provider.js'
import {loadProfile, type Profile} from '../profile/load.js'
import {profileState, type StateStore} from '../state/json-store.js'
import {askMfaCode} from './prompts.js'

/** What most commands need: the profile, its state and the AWS door. */
export async function openProfile(nameOrPath: string): Promise<{profile: Profile; state: StateStore}> {
  const profile = await loadProfile(nameOrPath)
  return {profile, state: profileState(profile.name)}
}

export function openAws(profile: Profile): Promise<AwsProvider> {
  return AwsProvider.create(profile, {askMfaCode})
}
