// CodeMirror 6 with Python highlighting. Loaded on demand (React.lazy) so the first screen
// does not wait for the editor. Tab indents; Escape then Tab leaves the editor (CodeMirror's
// own keyboard-trap escape), so keyboard-only learners are never stuck in it.
import { useEffect, useRef } from "react";
import { EditorView, basicSetup } from "codemirror";
import { indentWithTab } from "@codemirror/commands";
import { keymap } from "@codemirror/view";
import { python } from "@codemirror/lang-python";

function cspNonce(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="tessera-csp-nonce"]')?.content ?? "";
}

export default function CodeEditor({ value, onChange, label }: { value: string; onChange: (code: string) => void; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      doc: value,
      parent: host.current,
      extensions: [
        basicSetup,
        // The editor's theme is a <style> element: allowed by the page's nonce (web.md).
        EditorView.cspNonce.of(cspNonce()),
        keymap.of([indentWithTab]),
        python(),
        EditorView.contentAttributes.of({ "aria-label": label, "data-testid": "code-editor" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) changed.current(u.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor owns its text once created; `value` seeds it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return <div className="code-editor" ref={host} />;
}
