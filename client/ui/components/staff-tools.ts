// The tools only a host or moderator sees, loaded when someone becomes one: nobody joining waits for them.
import './hand-queue.ts';
import './lobby-list.ts';
import './person-menu.ts';
import './room-settings.ts';
