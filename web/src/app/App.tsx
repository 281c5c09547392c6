// Routes: the learner app under /learn, the console under /console (each page checks the
// role the API will ask for, and the API checks again), sign-in and sign-up.
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { lazy, type ReactNode } from "react";
import { LoginPage, SignupPage } from "../auth/AuthPages";
import { homeOf, SessionProvider, useSession, type Role } from "../auth/session";
import { TodayPage } from "../learner/TodayPage";
import { Loading } from "../ui/Loading";
import { Shell } from "./Shell";

// Today's lesson is in the first bundle; every other page (charts, the console) loads when
// first opened, so a learner's first screen waits for none of it.
const AiSpendPage = lazy(() => import("../console/AiSpendPage").then((m) => ({ default: m.AiSpendPage })));
const AlertsPage = lazy(() => import("../console/AlertsPage").then((m) => ({ default: m.AlertsPage })));
const ClassesPage = lazy(() => import("../console/ClassesPage").then((m) => ({ default: m.ClassesPage })));
const DeadLettersPage = lazy(() => import("../console/DeadLettersPage").then((m) => ({ default: m.DeadLettersPage })));
const ExperimentsPage = lazy(() => import("../console/ExperimentsPage").then((m) => ({ default: m.ExperimentsPage })));
const PluginsPage = lazy(() => import("../console/PluginsPage").then((m) => ({ default: m.PluginsPage })));
const SafetyPage = lazy(() => import("../console/SafetyPage").then((m) => ({ default: m.SafetyPage })));
const UsersPage = lazy(() => import("../console/UsersPage").then((m) => ({ default: m.UsersPage })));
const ProfilePage = lazy(() => import("../learner/ProfilePage").then((m) => ({ default: m.ProfilePage })));
const ContentPage = lazy(() => import("../console/ContentPage").then((m) => ({ default: m.ContentPage })));
const TutorPage = lazy(() => import("../learner/TutorPage").then((m) => ({ default: m.TutorPage })));
const ProgressPage = lazy(() => import("../learner/ProgressPage").then((m) => ({ default: m.ProgressPage })));

const TEACHERS: Role[] = ["teacher", "admin", "super_admin"];
const ADMINS: Role[] = ["admin", "super_admin"];
const SUPER: Role[] = ["super_admin"];

function Require({ roles, children }: { roles?: Role[]; children: ReactNode }) {
  const { me } = useSession();
  const location = useLocation();
  if (me === undefined) return <Loading />;
  if (me === null) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (roles && !roles.includes(me.user_type)) {
    return (
      <div className="card" role="alert">
        <h1>Not for your role</h1>
        <p>This page is for {roles.join(", ").replace(/_/g, " ")} accounts; you are signed in as a {me.user_type.replace("_", " ")}.</p>
      </div>
    );
  }
  return <>{children}</>;
}

function Home() {
  const { me } = useSession();
  if (me === undefined) return <Loading />;
  return <Navigate to={me ? homeOf(me.user_type) : "/login"} replace />;
}

function NotFound() {
  return (
    <div className="card">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{location.pathname}</code>. <a href="/">Go to the start</a>.
      </p>
    </div>
  );
}

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/signup" element={<SignupPage />} />
          <Route element={<Shell />}>
            <Route index element={<Home />} />
            <Route path="/learn" element={<Require>{<TodayPage />}</Require>} />
            <Route path="/learn/tutor" element={<Require>{<TutorPage />}</Require>} />
            <Route path="/learn/progress" element={<Require>{<ProgressPage />}</Require>} />
            <Route path="/learn/profile" element={<Require>{<ProfilePage />}</Require>} />
            <Route path="/console/classes" element={<Require roles={TEACHERS}>{<ClassesPage />}</Require>} />
            <Route path="/console/alerts" element={<Require roles={TEACHERS}>{<AlertsPage />}</Require>} />
            <Route path="/console/ai" element={<Require roles={ADMINS}>{<AiSpendPage />}</Require>} />
            <Route path="/console/safety" element={<Require roles={ADMINS}>{<SafetyPage />}</Require>} />
            <Route path="/console/experiments" element={<Require roles={ADMINS}>{<ExperimentsPage />}</Require>} />
            <Route path="/console/content" element={<Require roles={TEACHERS}>{<ContentPage />}</Require>} />
            <Route path="/console/users" element={<Require roles={ADMINS}>{<UsersPage />}</Require>} />
            <Route path="/console/events" element={<Require roles={ADMINS}>{<DeadLettersPage />}</Require>} />
            <Route path="/console/plugins" element={<Require roles={SUPER}>{<PluginsPage />}</Require>} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  );
}
