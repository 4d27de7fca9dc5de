import type { ManualGuidance } from '../remediation.js';

/** How a person reaches the root user's credentials page; shared by the root-user controls. */
const SIGN_IN_AS_ROOT =
  'Sign in at https://console.aws.amazon.com/ as the root user of the account in the finding (choose "Root user", enter the account email, password and any existing MFA code), then open the account menu (top right) > Security credentials.';

/**
 * IAM.4 / CIS 1.12: only the root user itself can delete its access keys (or, in an
 * organization with centralized root access, the management account).
 */
export const iamRootAccessKeysGuidance: ManualGuidance = {
  id: 'iam-root-access-keys',
  controls: ['IAM.4'],
  cisRules: ['1.12'],
  why: "Root access keys can only be deleted while signed in as the root user; the bot's role can neither see nor delete them.",
  steps: [
    SIGN_IN_AS_ROOT,
    'Under "Access keys", note each key\'s "Last used" date and service. If a key was used recently, find the caller first: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=<key id>` in each Region it was used, and move that workload to an IAM role.',
    'For each root access key: Actions > Deactivate, and confirm. Leave it inactive for a day if anything might still use it; a failing caller then shows up as AccessDenied/InvalidClientTokenId errors.',
    'Then Actions > Delete, type the access key id to confirm, and Delete. Do not create a new root access key.',
    'If root sign-in is not possible because the account is an AWS Organizations member with centralized root access, a management-account administrator does it instead: IAM console > Root access management > select the account > Take privileged action > Delete root user credentials (access keys).',
    'Press "Mark done": the bot re-checks the account.',
  ],
  recheck: 'GetAccountSummary: passes when SummaryMap.AccountAccessKeysPresent is 0.',
};

/** IAM.5 / CIS 1.2: an MFA device is bound to the person who holds it, so they must enrol it. */
export const iamUserConsoleMfaGuidance: ManualGuidance = {
  id: 'iam-user-console-mfa',
  controls: ['IAM.5'],
  cisRules: ['1.2'],
  why: 'An MFA device must be enrolled by the person who holds it (the enrolment needs codes or a touch from the device), so the bot cannot do it for them.',
  steps: [
    'Ask the IAM user named in the finding to enrol an MFA device today; send them these steps.',
    'The user signs in to the console with their IAM user name and password, opens the account menu (top right) > Security credentials, and under "Multi-factor authentication (MFA)" chooses Assign MFA device.',
    'They give the device a name, choose "Passkey or security key" (preferred), "Authenticator app" or "Hardware TOTP token", and follow the prompts: touch the key, or scan the QR code with the authenticator app and enter two consecutive codes, or enter the token serial number and two consecutive codes.',
    'They sign out and sign in again to confirm the MFA prompt appears.',
    'If the user no longer needs the console at all, an administrator can instead remove their console password: IAM console > Users > <user> > Security credentials > Console sign-in > Manage console access > Disable. That also satisfies IAM.5.',
    'Press "Mark done": the bot re-checks the user.',
  ],
  recheck: 'GetLoginProfile for the user (NoSuchEntity means no console password: passes); otherwise ListMFADevices for the user passes when it lists at least one device.',
};

/** IAM.6 / CIS 1.14: a hardware device has to be bought, held and enrolled in person. */
export const iamRootHardwareMfaGuidance: ManualGuidance = {
  id: 'iam-root-hardware-mfa',
  controls: ['IAM.6'],
  cisRules: ['1.14'],
  why: 'Root MFA can only be assigned while signed in as root, and a hardware device has to be physically held and enrolled by a person.',
  steps: [
    'Get a supported hardware MFA device: a FIDO2 security key or an AWS-supported hardware TOTP token. Decide who holds it and where it is stored (a safe, not a laptop bag); a second device as a backup is recommended (root can have up to 8 MFA devices).',
    SIGN_IN_AS_ROOT,
    'Under "Multi-factor authentication (MFA)" choose Assign MFA device, name it, choose "Passkey or security key" or "Hardware TOTP token", and follow the prompts (touch the key; or enter the token serial number and two consecutive codes).',
    'Sign out and sign in again as root to confirm the hardware device is asked for.',
    'If root also has a virtual MFA device (an authenticator app), remove it now that the hardware device works: in the same MFA section select the virtual device > Remove. IAM.6 fails while root uses a virtual device.',
    'Record who holds the device(s) in your access register, then press "Mark done": the bot re-checks the account.',
  ],
  recheck:
    'GetAccountSummary: SummaryMap.AccountMFAEnabled must be 1; ListVirtualMFADevices (AssignmentStatus Assigned) must show no device whose User.Arn is arn:aws:iam::<account>:root.',
};

/** IAM.9 / CIS 1.13: root MFA can only be enrolled by someone signed in as root. */
export const iamRootMfaGuidance: ManualGuidance = {
  id: 'iam-root-mfa',
  controls: ['IAM.9'],
  cisRules: ['1.13'],
  why: 'Root MFA can only be assigned while signed in as the root user, with a device that a named person keeps.',
  steps: [
    'Choose the device and who keeps it: a passkey/security key or hardware token (also satisfies IAM.6), or an authenticator app on a device the account owners control, not one person\'s personal phone.',
    SIGN_IN_AS_ROOT,
    'Under "Multi-factor authentication (MFA)" choose Assign MFA device, name it, pick the device type and follow the prompts (for an authenticator app: scan the QR code, enter two consecutive codes).',
    'Sign out and sign in again as root to confirm the MFA code is asked for.',
    'Record who holds the device in your access register, then press "Mark done": the bot re-checks the account.',
  ],
  recheck: 'GetAccountSummary: passes when SummaryMap.AccountMFAEnabled is 1.',
};
