/**
 * The directories the sandbox serves for directory connections: Contoso's Microsoft 365 directory
 * (Graph `/users`, `/groups`, delta queries) and Fabrikam's Google Workspace directory (Admin SDK
 * `users`, `groups`, `members`). Plain data: the Graph and Admin SDK emulations and the tests read
 * it, `POST /_sandbox/reset` restores it, and the control API changes a copy of it.
 *
 * Shape of each world (what the tests rely on):
 * - one group nested in another (Legal inside Privacy team), one pair of groups that contain each
 *   other (a cycle: Ops <-> On-call), one disabled member (Dan, in Privacy team), one member without
 *   mail (Sam, in Sales), and an "All staff" group of every enabled user with mail.
 */

export interface SeedDirectoryUser {
  id: string;
  /** Microsoft: userPrincipalName; Google: primaryEmail. */
  principal: string;
  /** The mail address (`mail` in Graph, `primaryEmail` in Google); absent for a user without a mailbox. */
  mail?: string;
  displayName: string;
  jobTitle?: string;
  department?: string;
  /** Graph `accountEnabled`; Google `!suspended`. */
  enabled: boolean;
}

export interface SeedDirectoryGroup {
  id: string;
  mail?: string;
  name: string;
  /** Member ids: users or groups of the same directory. */
  members: string[];
}

export interface SeedDirectory {
  users: SeedDirectoryUser[];
  groups: SeedDirectoryGroup[];
}

const cu = (n: number) => `c0000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
const cg = (n: number) => `c1000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;

/** Contoso users by role in the tests. 1-5 are the sender world's users (dev/sandbox/world.ts). */
export const CONTOSO_DIRECTORY_USER_IDS = {
  admin: cu(1),
  notifications: cu(2),
  privacy: cu(3),
  unlicensed: cu(4),
  restricted: cu(5),
  ada: cu(11),
  ben: cu(12),
  carla: cu(13),
  dan: cu(14),
  erin: cu(15),
  frank: cu(16),
  grace: cu(17),
  sam: cu(18),
} as const;

export const CONTOSO_GROUP_IDS = {
  privacyTeam: cg(1),
  legal: cg(2),
  allStaff: cg(3),
  sales: cg(4),
  ops: cg(5),
  onCall: cg(6),
} as const;

const U = CONTOSO_DIRECTORY_USER_IDS;
const G = CONTOSO_GROUP_IDS;

function contosoUser(id: string, local: string, displayName: string, extra: Partial<SeedDirectoryUser> = {}): SeedDirectoryUser {
  return { id, principal: `${local}@contoso.example`, mail: `${local}@contoso.example`, displayName, enabled: true, ...extra };
}

export function seedContosoDirectory(): SeedDirectory {
  const users: SeedDirectoryUser[] = [
    contosoUser(U.admin, 'admin', 'Contoso Admin', { jobTitle: 'IT Administrator', department: 'IT' }),
    contosoUser(U.notifications, 'notifications', 'Contoso Notifications'),
    contosoUser(U.privacy, 'privacy', 'Contoso Privacy'),
    contosoUser(U.unlicensed, 'unlicensed', 'Unlicensed User'),
    contosoUser(U.restricted, 'restricted', 'Restricted Mailbox'),
    contosoUser(U.ada, 'ada', 'Ada Lovelace', { jobTitle: 'Data Protection Officer', department: 'Privacy' }),
    contosoUser(U.ben, 'ben', 'Ben Okafor', { jobTitle: 'Privacy Analyst', department: 'Privacy' }),
    contosoUser(U.carla, 'carla', 'Carla Mendes', { jobTitle: 'Counsel', department: 'Legal' }),
    contosoUser(U.dan, 'dan', 'Dan Former', { jobTitle: 'Privacy Analyst', department: 'Privacy', enabled: false }),
    contosoUser(U.erin, 'erin', 'Erin Walsh', { jobTitle: 'Paralegal', department: 'Legal' }),
    contosoUser(U.frank, 'frank', 'Frank Ito', { jobTitle: 'Account Executive', department: 'Sales' }),
    contosoUser(U.grace, 'grace', 'Grace Hopper', { jobTitle: 'Site Reliability Engineer', department: 'Operations' }),
    // No mailbox: a member without mail is skipped when a group is expanded.
    { id: U.sam, principal: 'sam@contoso.example', displayName: 'Sam Nomail', jobTitle: 'Contractor', department: 'Sales', enabled: true },
  ];
  const allStaff = users.filter((u) => u.enabled && u.mail).map((u) => u.id);
  return {
    users,
    groups: [
      { id: G.privacyTeam, mail: 'privacy-team@contoso.example', name: 'Privacy team', members: [U.ada, U.ben, U.dan, G.legal] },
      { id: G.legal, mail: 'legal@contoso.example', name: 'Legal', members: [U.carla, U.erin] },
      { id: G.allStaff, mail: 'all-staff@contoso.example', name: 'All staff', members: allStaff },
      { id: G.sales, mail: 'sales@contoso.example', name: 'Sales', members: [U.frank, U.sam] },
      { id: G.ops, mail: 'ops@contoso.example', name: 'Ops', members: [U.grace, G.onCall] },
      // A security group without mail, containing Ops, which contains it: a cycle.
      { id: G.onCall, name: 'On-call', members: [U.admin, G.ops] },
    ],
  };
}

const fu = (n: number) => `1100000000000000000${String(n).padStart(2, '0')}`;
const fg = (n: number) => `03fabrikam0${n}`;

/** Fabrikam users. 1-3 are the Gmail world's users (dev/sandbox/google-world.ts). */
export const FABRIKAM_DIRECTORY_USER_IDS = {
  alerts: fu(1),
  nogmail: fu(2),
  admin: fu(3),
  hana: fu(11),
  ivan: fu(12),
  jo: fu(13),
  kim: fu(14),
  lee: fu(15),
  mo: fu(16),
  noor: fu(17),
  otto: fu(18),
  pia: fu(19),
} as const;

export const FABRIKAM_GROUP_IDS = {
  privacyTeam: fg(1),
  legal: fg(2),
  allStaff: fg(3),
  ops: fg(4),
  onCall: fg(5),
} as const;

const FU = FABRIKAM_DIRECTORY_USER_IDS;
const FG = FABRIKAM_GROUP_IDS;

function fabrikamUser(id: string, local: string, displayName: string, extra: Partial<SeedDirectoryUser> = {}): SeedDirectoryUser {
  return { id, principal: `${local}@fabrikam.example`, mail: `${local}@fabrikam.example`, displayName, enabled: true, ...extra };
}

export function seedFabrikamDirectory(): SeedDirectory {
  const users: SeedDirectoryUser[] = [
    fabrikamUser(FU.alerts, 'alerts', 'Fabrikam Alerts'),
    fabrikamUser(FU.nogmail, 'nogmail', 'No Gmail'),
    fabrikamUser(FU.admin, 'admin', 'Fabrikam Admin', { jobTitle: 'Workspace Administrator', department: 'IT' }),
    fabrikamUser(FU.hana, 'hana', 'Hana Sato', { jobTitle: 'Privacy Lead', department: 'Privacy' }),
    fabrikamUser(FU.ivan, 'ivan', 'Ivan Petrov', { jobTitle: 'Privacy Analyst', department: 'Privacy' }),
    // Suspended in Google: disabled.
    fabrikamUser(FU.jo, 'jo', 'Jo Former', { jobTitle: 'Privacy Analyst', department: 'Privacy', enabled: false }),
    fabrikamUser(FU.kim, 'kim', 'Kim Novak', { jobTitle: 'Counsel', department: 'Legal' }),
    fabrikamUser(FU.lee, 'lee', 'Lee Chen', { jobTitle: 'Paralegal', department: 'Legal' }),
    fabrikamUser(FU.mo, 'mo', 'Mo Salah', { jobTitle: 'Engineer', department: 'Operations' }),
    fabrikamUser(FU.noor, 'noor', 'Noor Haddad', { jobTitle: 'Engineer', department: 'Operations' }),
    fabrikamUser(FU.otto, 'otto', 'Otto Berg', { jobTitle: 'Sales', department: 'Sales' }),
    fabrikamUser(FU.pia, 'pia', 'Pia Rossi', { jobTitle: 'Designer', department: 'Product' }),
  ];
  const allStaff = users.filter((u) => u.enabled).map((u) => u.id);
  return {
    users,
    groups: [
      { id: FG.privacyTeam, mail: 'privacy-team@fabrikam.example', name: 'Privacy team', members: [FU.hana, FU.ivan, FU.jo, FG.legal] },
      { id: FG.legal, mail: 'legal@fabrikam.example', name: 'Legal', members: [FU.kim, FU.lee] },
      { id: FG.allStaff, mail: 'all-staff@fabrikam.example', name: 'All staff', members: allStaff },
      { id: FG.ops, mail: 'ops@fabrikam.example', name: 'Ops', members: [FU.mo, FG.onCall] },
      { id: FG.onCall, mail: 'on-call@fabrikam.example', name: 'On-call', members: [FU.noor, FG.ops] },
    ],
  };
}
