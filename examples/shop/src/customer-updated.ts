import { z } from "zod";

/** `customers.CustomerUpdated` v1: one name, one e-mail address. */
export const CustomerUpdatedV1 = z.looseObject({
  customerId: z.string().min(1),
  name: z.string(),
  email: z.string(),
});

/** `customers.CustomerUpdated` v2: a display name and any number of addresses. */
export const CustomerUpdatedV2 = z.looseObject({
  customerId: z.string().min(1),
  displayName: z.string(),
  emails: z.array(z.string()),
});

/** The shape of v1. */
export type CustomerUpdatedV1 = z.output<typeof CustomerUpdatedV1>;
/** The shape of v2, the newest. */
export type CustomerUpdatedV2 = z.output<typeof CustomerUpdatedV2>;

/** v1 -> v2: the address becomes a list of one (none when it was empty). */
export function upgradeCustomerUpdated({ name, email, ...rest }: CustomerUpdatedV1): CustomerUpdatedV2 {
  return { ...rest, displayName: name, emails: email === "" ? [] : [email] };
}

/** v2 -> v1: the first address is kept, the others are lost. */
export function downgradeCustomerUpdated({ displayName, emails, ...rest }: CustomerUpdatedV2): CustomerUpdatedV1 {
  return { ...rest, name: displayName, email: emails[0] ?? "" };
}
