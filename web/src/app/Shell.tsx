// The frame of every signed-in page: a skip link, the navigation for the caller's role,
// the offline/outbox notice, and the page.
import { Suspense, useEffect, useState } from "react";
import { NavLink, Outlet } from "react-router";
import { useSession, type Role } from "../auth/session";
import { outbox, startOutbox } from "../learner/offline";
import { Loading } from "../ui/Loading";

interface Item {
  to: string;
  label: string;
  roles?: Role[];
}

const ITEMS: Item[] = [
  { to: "/learn", label: "Today" },
  { to: "/learn/tutor", label: "Tutor" },
  { to: "/learn/progress", label: "Progress" },
  { to: "/console/classes", label: "Classes", roles: ["teacher", "admin", "super_admin"] },
  { to: "/console/alerts", label: "Alerts", roles: ["teacher", "admin", "super_admin"] },
  { to: "/console/content", label: "Content", roles: ["teacher", "admin", "super_admin"] },
  { to: "/console/ai", label: "AI spend", roles: ["admin", "super_admin"] },
  { to: "/console/safety", label: "Safety", roles: ["admin", "super_admin"] },
  { to: "/console/experiments", label: "Experiments", roles: ["admin", "super_admin"] },
  { to: "/console/users", label: "Users", roles: ["admin", "super_admin"] },
  { to: "/console/events", label: "Dead letters", roles: ["admin", "super_admin"] },
  { to: "/console/plugins", label: "Plugins", roles: ["super_admin"] },
  { to: "/learn/profile", label: "Profile" },
];

function useOnline() {
  const [online, setOnline] = useState(navigator.onLine);
  const [queued, setQueued] = useState(outbox().length);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    const count = (e: Event) => setQueued((e as CustomEvent<number>).detail);
    window.addEventListener("online", on);
    window.addEventListener("offline", off);
    window.addEventListener("tessera:outbox", count);
    return () => {
      window.removeEventListener("online", on);
      window.removeEventListener("offline", off);
      window.removeEventListener("tessera:outbox", count);
    };
  }, []);
  return { online, queued };
}

export function Shell() {
  const { me, signOut } = useSession();
  const { online, queued } = useOnline();
  const [sent, setSent] = useState(0);
  useEffect(() => {
    if (me) startOutbox();
  }, [me]);
  useEffect(() => {
    // Whoever sent them (the reconnect, a retry, the page itself), say so.
    const count = (e: Event) => setSent((n) => n + (e as CustomEvent<number>).detail);
    window.addEventListener("tessera:outbox-sent", count);
    return () => window.removeEventListener("tessera:outbox-sent", count);
  }, []);
  const items = ITEMS.filter((i) => !i.roles || (me && i.roles.includes(me.user_type)));
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a href="/" className="brand">
          Tessera
        </a>
        {me && (
          <nav aria-label="Main">
            <ul>
              {items.map((i) => (
                <li key={i.to}>
                  <NavLink to={i.to} end>
                    {i.label}
                  </NavLink>
                </li>
              ))}
              <li>
                <button type="button" className="link" onClick={() => void signOut()}>
                  Sign out
                </button>
              </li>
            </ul>
          </nav>
        )}
      </header>
      {(!online || queued > 0 || sent > 0) && (
        <p className="notice" role="status">
          {!online && "You are offline. "}
          {queued > 0 && `${queued} answer${queued === 1 ? "" : "s"} waiting to be sent. `}
          {online && queued === 0 && sent > 0 && `${sent} answer${sent === 1 ? "" : "s"} sent after reconnecting.`}
        </p>
      )}
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </>
  );
}
