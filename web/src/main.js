// SPDX-License-Identifier: AGPL-3.0-or-later
// The entry point. The fragment is read and removed from the address bar before anything else
// runs or is requested (spec/sharing.md, "Fragment rules"); it lives only in this module's memory.

import { takeFragment } from "./pages/fragment.js";
import { route } from "./pages/router.js";

const fragment = takeFragment();
route(fragment);
