/** The Security Hub delivery state file cannot be read or is not Warden's: bad input (exit 2), one line naming the file. */
export class DeliveryStateError extends Error {}
