/** A change id as Warden makes it (apply's newChangeId: `chg-20250102T030405.678Z-a1b2c3`), with room to grow. */
export const CHANGE_ID = /^chg-[0-9A-Za-z.-]{1,100}$/;

export function isChangeId(text: string): boolean {
  return CHANGE_ID.test(text) && !text.includes('..');
}
