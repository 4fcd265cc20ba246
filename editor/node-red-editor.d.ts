// The Node-RED editor's globals as the plex-butler editor code uses them. The published types
// (@types/node-red__editor-client) serve where they say what the editor gives; where they are thin
// (a node is `object`, the settings know nothing of ours, the popover menu lacks the options we
// pass), the narrow types below take their place.

type NodeRedEditor = import('@node-red/editor-client').RED;

/** A catalog lookup: a node's own (`node._`) or its type's (`RED.nodes.getType(type)._`). */
type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

/** What the editor passes as `this` to the functions of a node definition: the node and its catalog. */
interface EditorNode {
    _: Translate;
    name?: string;
}

/**
 * A node or config node as RED.nodes.node(id) gives it. Our code looks up only plex-butler-server
 * config nodes: their properties, and the credentials typed in this editor session.
 */
interface EditorConfigNode {
    url?: string;
    timeout?: number | string;
    verifyTls?: boolean;
    credentials?: { token?: string };
}

/** An entry of RED.popover.menu: its value and what it shows. */
interface PopoverMenuOption {
    value: string;
    label: JQuery;
}

interface PopoverMenuOptions {
    class: string;
    width: number;
    maxHeight: number;
    options: PopoverMenuOption[];
    onselect(option: PopoverMenuOption): void;
}

interface EditorNodes extends Omit<NodeRedEditor['nodes'], 'node' | 'getType'> {
    node(id: string): EditorConfigNode | null;
    /** A registered type's definition; the editor gives it the type's catalog as `_`. */
    getType(type: string): { _: Translate };
}

interface EditorRED extends Omit<NodeRedEditor, 'nodes' | 'settings' | 'popover'> {
    nodes: EditorNodes;
    /** The editor's settings, with the ones nodes/plex-butler-server.ts exports. */
    settings: NodeRedEditor['settings'] & { plexButlerServerTaskName: string };
    popover: Omit<NodeRedEditor['popover'], 'menu'> & {
        menu(options: PopoverMenuOptions): { show(options: { target: JQuery }): void };
    };
}

declare const RED: EditorRED;
