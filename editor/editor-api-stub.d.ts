// Stand-in until the typed editor/plex-butler-editor.ts (branch i19-editor-a) is merged, then deleted:
// exactly what the server dialog and the sign-in panel use of PlexButlerEditor, and the editor's RED.
declare namespace PlexButlerEditor {
    /** The runtime's URL rule for a server address (plex-butler-server's url). */
    const URL_RE: RegExp;
    /** POSTs body as JSON to an admin route; the promise of its JSON answer. */
    function post(path: string, body: object): JQuery.jqXHR<unknown>;
    /** "<status> <text>" of a failed call, or noAnswer when Node-RED did not answer at all. */
    function failure(xhr: JQuery.jqXHR | undefined, noAnswer: string): string;
}
declare const RED: import('node-red__editor-client').RED;
