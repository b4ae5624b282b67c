// SPDX-License-Identifier: AGPL-3.0-or-later
// Who may sign in the owner's own drive (metadata.md, "Who may sign"; sharing.md, "Share roster";
// the SDK's rosters.write_members): the account, and in a folder it shares and everything below,
// the write members of its own latest signed roster of that folder (verified with its own key and
// held to the roster mark), never the server's member list. A folder's writers are found on the
// way down from the top, so a folder is held to the rosters of the shared folders above it.

import { fromB64url, hex } from "../crypto/layout.js";
import { people } from "./contacts.js";
import { checkedRoster, WRITE } from "./sharing.js";

export class DriveWriters {
  #session;
  #own;
  #inherited = new Map(); // hex folder id -> the writers of the folder above it

  constructor(session) {
    this.#session = session;
    this.#own = new Map([[hex(session.userId), session.signPublic]]);
  }

  /** Hex folder id -> Map of write members, read again for every listing (a share may be new). */
  async #load() {
    const session = this.#session;
    const owner = { userId: session.userId, signPublic: session.signPublic };
    const rosters = new Map();
    for (const [folderText, data] of await people(session).api.rosters()) {
      const folderId = fromB64url(folderText);
      const roster = checkedRoster(session, owner, folderId, data);
      const writing = roster.members.filter((m) => m.rights === WRITE).map((m) => [hex(m.userId), m.signPublic]);
      if (writing.length) rosters.set(hex(folderId), new Map(writing));
    }
    return rosters;
  }

  /** The writers of `folder` ({ id }): those above it, and its own roster's write members. */
  async of(folder) {
    const id = hex(folder.id);
    const above = this.#inherited.get(id) ?? this.#own;
    const own = (await this.#load()).get(id);
    return own ? new Map([...above, ...own]) : above;
  }

  /** After `folder` was listed with `writers`: its child folders inherit them. */
  handDown(writers, verified) {
    for (const child of verified.children) if (child.isFolder) this.#inherited.set(hex(child.record.nodeId), writers);
  }
}
