// Lets rrweb's recorder run in happy-dom (test only). rrweb distrusts DOM accessors whose source
// is not "[native code]" (pages that patch them, e.g. Angular's zone.js) and then looks for
// clean ones in a fresh <iframe>, which happy-dom does not load. Here the accessors rrweb checks
// are made to look native, and the Node.prototype ones dispatch to happy-dom's subclass
// overrides (rrweb calls Node.prototype's getter on any node; in a browser that covers text
// nodes too, in happy-dom `Text` overrides `textContent`).

type Fn = (...a: unknown[]) => unknown;
const looksNative = (f: Fn, name: string) =>
  Object.defineProperty(f, 'toString', { value: () => `function ${name}() { [native code] }` });

export function rrwebShim(): void {
  const w = window as unknown as Record<string, { prototype: object } & Fn>;
  // rrweb's polyfill() reads these constructors
  w.DOMTokenList ||= document.body.classList.constructor as never;
  w.NodeList ||= document.body.childNodes.constructor as never;
  const accessors: Record<string, string[]> = {
    Node: ['childNodes', 'parentNode', 'parentElement', 'textContent', 'ownerDocument', 'firstChild', 'lastChild', 'nextSibling', 'previousSibling'],
    ShadowRoot: ['host', 'styleSheets'],
    Element: ['shadowRoot'],
  };
  for (const [k, names] of Object.entries(accessors)) {
    const proto = w[k].prototype;
    for (const n of names) {
      const d = Object.getOwnPropertyDescriptor(proto, n);
      const get = function (this: object) {
        for (let p = Object.getPrototypeOf(this); p && p !== proto; p = Object.getPrototypeOf(p)) {
          const own = Object.getOwnPropertyDescriptor(p, n);
          if (own && own.get) return own.get.call(this);
        }
        return d && d.get ? d.get.call(this) : undefined;
      };
      looksNative(get, 'get ' + n);
      Object.defineProperty(proto, n, { configurable: true, enumerable: true, set: d && d.set, get });
    }
  }
  // rrweb lists these methods among the accessors it checks (so in a browser Element is always
  // looked up in an iframe): as getters returning the same method they pass the check here
  for (const n of ['querySelector', 'querySelectorAll']) {
    const proto = w.Element.prototype as Record<string, Fn>;
    const f = proto[n];
    const get = () => f;
    looksNative(get, 'get ' + n);
    Object.defineProperty(proto, n, { configurable: true, get });
  }
  const methods: Record<string, string[]> = { Node: ['contains', 'getRootNode'], ShadowRoot: ['getSelection'] };
  for (const [k, names] of Object.entries(methods)) {
    const proto = w[k].prototype as Record<string, Fn>;
    for (const n of names) {
      if (typeof proto[n] != 'function') proto[n] = () => null;
      looksNative(proto[n], n);
    }
  }
  looksNative(w.MutationObserver, 'MutationObserver');
}
